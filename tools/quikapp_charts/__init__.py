"""Tooling for the QuikApp Helm charts."""
