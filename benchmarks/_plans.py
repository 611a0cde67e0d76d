"""The million-prefix plan every benchmark uses, so their figures are about the same plan."""

from __future__ import annotations


def customers_spec(
    per_pop: int = 256, prefix: str = "2001:db8::/32", name: str = "customer"
) -> str:
    """/32 → 16 /36 regions → 256 /44 PoPs → ``per_pop`` /56 customers (256: 1,048,576)."""
    return f"""\
plan: Benchmark operator ({16 * 256 * per_pop:,} customer /56s)
prefix: {prefix}
children:
  - name: region
    count: 16
    size: /36
    children:
      - name: pop
        count: 256
        size: /44
        children:
          - {{name: {name}, role: customer, count: {per_pop}, size: /56}}
"""
