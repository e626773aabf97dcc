"""Fakes of the outside services Ilios calls, for tests and local development."""
