// The web application's build: Vue single-file components, Vant imported on demand
// (only the components a page uses reach its bundle; Element Plus likewise for the
// consoles), the API proxied in development.
import { fileURLToPath, URL } from "node:url";

import { VantResolver } from "@vant/auto-import-resolver";
import vue from "@vitejs/plugin-vue";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import Components from "unplugin-vue-components/vite";
import { defineConfig } from "vitest/config";

const api = process.env.LIFECIRCLE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [vue(), Components({ resolvers: [VantResolver(), ElementPlusResolver({ importStyle: "css" })], dts: false })],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": api, "/docs": api },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 400,
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
    server: { deps: { inline: ["vant", "element-plus"] } },
  },
});
