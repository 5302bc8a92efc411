"""Where Merak departs from stock Django, asgiref or the SDKs, each departure with its reason and its guard test."""
