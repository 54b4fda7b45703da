/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** A tile URL template (`https://.../{z}/{x}/{y}.png`); none: vector layers only. */
  readonly VITE_TILE_URL?: string;
  /** The tiles' coordinate system: `wgs84` (default) or `gcj02` (Amap, Tencent). */
  readonly VITE_TILE_CRS?: string;
  /** The tiles' attribution text. */
  readonly VITE_TILE_ATTRIBUTION?: string;
}

declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
