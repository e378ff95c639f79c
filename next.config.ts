import type { NextConfig } from "next";
// Validates every environment variable at startup (dev, build, start): one line per bad variable.
import "./lib/env";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // End-to-end runs build into their own folder so a running `npm run dev` is not disturbed.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  typedRoutes: false,
};

export default nextConfig;
