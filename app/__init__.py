"""consentgate: a simulation of the consent-gated footage-request workflow."""

__version__ = "0.1.0"
