"""Projects, their funds and revenue, distribution plans exact to the fen, renovations
(双提升) against the county's reference prices, and the audit that checks them
(projects.md, issue 14)."""
