"""Benchmark support: data generators that build a realistic database at a chosen scale."""
