import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

import { tokensCss } from "@/lib/designTokens";

import "./globals.css";

export const metadata: Metadata = {
  title: "Merak — trip planner",
  description: "Plan a city trip day by day with Merak's trip-planning agent.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: only our constants (designTokens.ts), no input. */}
        <style id="merak-tokens" dangerouslySetInnerHTML={{ __html: tokensCss() }} />
      </head>
      <body>{children}</body>
    </html>
  );
}
