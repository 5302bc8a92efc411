"""Test support shared by every app's tests: a stand-in OpenAI-compatible server on loopback (`openai_server`),
and run contexts for the agent (`run_context`)."""
