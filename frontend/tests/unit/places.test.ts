/** Places tagged with "@": the search through the proxy, the map a click opens, the preview on hover. */
import assert from "node:assert/strict";
import { test } from "node:test";

import type { Entity } from "@openai/chatkit";

import { placePreview, placeUrl, searchPlaces } from "../../lib/client/places";

const LISBON: Entity = {
  id: "city:2267057",
  title: "Lisbon, Portugal",
  interactive: true,
  data: {
    kind: "city",
    city: "Lisbon",
    country: "Portugal",
    latitude: "38.72509",
    longitude: "-9.14980",
    population: "517802",
    timezone: "Europe/Lisbon",
  },
};

test("a search asks Django for what was typed and keeps only entities", async () => {
  const asked: string[] = [];
  const django: typeof fetch = async (url) => {
    asked.push(String(url));
    return Response.json({ entities: [LISBON, { title: "no id" }] });
  };

  assert.deepEqual(await searchPlaces("/api/chatkit", django, " lis bo "), [LISBON]);
  assert.deepEqual(asked, ["/api/chatkit/entities?q=lis%20bo"]);
});

test("a blank query asks nothing; a refusal or a network failure finds nothing", async () => {
  const never: typeof fetch = async () => assert.fail("no request for a blank query");
  assert.deepEqual(await searchPlaces("/api/chatkit", never, "   "), []);
  const refused: typeof fetch = async () => Response.json({ error: { code: "empty_query" } }, { status: 400 });
  assert.deepEqual(await searchPlaces("/api/chatkit", refused, "x"), []);
  const down: typeof fetch = async () => {
    throw new TypeError("fetch failed");
  };
  assert.deepEqual(await searchPlaces("/api/chatkit", down, "x"), []);
});

test("a click opens the place's coordinates on OpenStreetMap, or searches its name", () => {
  assert.equal(placeUrl(LISBON), "https://www.openstreetmap.org/?mlat=38.72509&mlon=-9.1498#map=12/38.72509/-9.1498");
  const named = { id: "x", title: "Atlantis", data: { latitude: "javascript:alert(1)" } };
  assert.equal(placeUrl(named), "https://www.openstreetmap.org/search?query=Atlantis");
});

test("the preview shows the city's facts as a Basic widget; an entity that is no city has none", () => {
  const { preview } = placePreview(LISBON);
  assert.deepEqual(preview, {
    type: "Basic",
    direction: "col",
    gap: 1,
    children: [
      { type: "Title", value: "Lisbon", size: "sm" },
      { type: "Caption", value: "Portugal · population 517,802 · time zone Europe/Lisbon" },
    ],
  });
  assert.deepEqual(placePreview({ id: "doc", title: "A document" }), { preview: null });
});
