// The residents' web application.
import "vant/es/toast/style";
import "@/styles/reduced-motion.css";

import { createPinia } from "pinia";
import { createApp } from "vue";

import { api, tokenStorage } from "@/api";
import App from "@/App.vue";
import { i18n } from "@/i18n";
import { loadMapConfig } from "@/map/config";
import { makeRouter } from "@/router";
import { useSession } from "@/stores/session";

const app = createApp(App);
app.use(createPinia());
app.use(i18n);
app.use(makeRouter());
void useSession().restore(api, tokenStorage);
void loadMapConfig(api.webConfig); // the deployment's tiles, asked once (the map waits for it)
app.mount("#app");
