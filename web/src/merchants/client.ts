// The console's client: the signed-in user's token, as the residents' pages use.
import { tokenStorage } from "@/api";
import { createMerchantClient } from "@/api/merchants";

export const merchantApi = createMerchantClient({ token: tokenStorage.get });
