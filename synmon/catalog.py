"""The SynThesisAI platform as synmon knows it: components, domains and their endpoints."""

from __future__ import annotations

COMPONENTS: tuple[str, ...] = (
    "api_gateway",
    "dspy_optimizer",
    "marl_coordinator",
    "domain_validator",
    "quality_assurance",
    "reasoning_tracer",
)

DOMAINS: tuple[str, ...] = (
    "science",
    "technology",
    "reading",
    "engineering",
    "arts",
    "mathematics",
)
