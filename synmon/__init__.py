"""synmon: performance monitoring and analytics for the SynThesisAI platform.

This package is the ground floor shared by every stage: paths and settings, the platform catalog,
the framework-free core libraries, and the `synmon` command line. It never imports Dagster at
module level.
"""
