"""The one write path of each activity (issue 13), one module per kind of activity:
trainings and meetings (`trainings`, `meetings`), job placements and welfare posts
(`work`), industry participation (`industry`), microcredit, education aid and insurance
(`credit`, `aid`), village industries and poor villages (`villages`). Every write is
scope-checked, audited with its division, and changes the registry only through
`registry.services` with the activity named as the reason."""
