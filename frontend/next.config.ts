import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Next's gzip would hold Server-Sent Events back in the compressor until a
  // buffer fills: /api/chatkit must pass each event on as it arrives. Let the
  // reverse proxy in front compress the rest if it wants to.
  compress: false,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
