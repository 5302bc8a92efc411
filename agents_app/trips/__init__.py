"""What the agent's tools and the offline planner both know about trips: places, dates, requests, days, locales."""
