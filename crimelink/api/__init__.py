"""The JSON API (mounted under ``/api``): one router per resource, the same services and policy as the pages."""
