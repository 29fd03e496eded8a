"""Local fakes of other companies' HTTP APIs, served on loopback for the adapters under test."""
