"""A synthetic county registry snapshot that looks real to someone who works there.

The shape follows a formerly poor county in the Chongqing mountains (the research in
shared/seeds: illness behind most poverty, adults mostly junior middle school or less,
much migrant work) as it looks several years after 2020: about a fifth of households
are lifted (脱贫户), a few per cent are monitored, incomes are mostly wages from migrant
work, and only the tail that policy cares about (elderly, ill, disabled households)
sits near the poverty line.

Everything is drawn with numpy over whole chunks of villages; the only Python loops
run over chunks and over the ~25 ledger items, because a county of a million households
has to be generated in seconds, not minutes.

Modules by concern: `codes` (the contract's codes as the arrays index them), `arrays`
(vectorised draws, Arrow conversion), `names`, `divisions` (towns and villages),
`families` (who lives in each household), `chunk` (members' and households' attributes
for a chunk of villages), `ledger` (收支台账), `county` (the whole snapshot).
"""

from neisheng.synth.county import generate_county

__all__ = ["generate_county"]
