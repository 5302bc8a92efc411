/**
 * Merak's design tokens: the one place colours, type and shape are chosen.
 * The page's CSS variables and ChatKit's theme (which lives in an iframe and
 * cannot see our CSS) are both derived from them.
 */
import type { ColorScheme, ThemeOption } from "@openai/chatkit";

type Palette = {
  background: string;
  surface: string;
  foreground: string;
  muted: string;
  accent: string;
  border: string;
};

export const tokens = {
  fontFamily: 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMono: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  baseSize: 16,
  radius: "round",
  /** Warm sand greys, hue in degrees, for ChatKit's grayscale palette. */
  grayHue: 35,
  light: {
    background: "#fbf8f3",
    surface: "#ffffff",
    foreground: "#1d2430",
    muted: "#5b6573",
    accent: "#0f766e",
    border: "#e6dfd3",
  },
  dark: {
    background: "#12161d",
    surface: "#1a2029",
    foreground: "#e7eaf0",
    muted: "#9aa4b2",
    accent: "#2dd4bf",
    border: "#2a313d",
  },
} as const satisfies { light: Palette; dark: Palette } & Record<string, unknown>;

/** ChatKit's theme for a colour scheme. */
export function chatKitTheme(scheme: ColorScheme): ThemeOption {
  const palette = tokens[scheme];
  return {
    colorScheme: scheme,
    radius: tokens.radius,
    density: "normal",
    typography: { baseSize: tokens.baseSize, fontFamily: tokens.fontFamily, fontFamilyMono: tokens.fontFamilyMono },
    color: {
      grayscale: { hue: tokens.grayHue, tint: 2 },
      accent: { primary: palette.accent, level: 1 },
      surface: { background: palette.background, foreground: palette.foreground },
    },
  };
}

const variables = (palette: Palette): string =>
  Object.entries(palette)
    .map(([name, value]) => `--merak-${name}:${value};`)
    .join("");

/** The tokens as CSS custom properties, following the system's colour scheme. */
export function tokensCss(): string {
  return [
    `:root{color-scheme:light dark;--merak-font:${tokens.fontFamily};${variables(tokens.light)}}`,
    `@media (prefers-color-scheme: dark){:root{${variables(tokens.dark)}}}`,
  ].join("\n");
}
