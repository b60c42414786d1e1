"""Serializers of the registry API. Fields, enumerations and ranges come from the data
contract (neisheng.engine.schema) and error messages from the snapshot validator, so a
value the API rejects is one an import would reject with the same words. One module per
entity; `fields` holds what they share."""

from neisheng.registry.serializers.households import HouseholdSerializer
from neisheng.registry.serializers.ledger import IncomeItemSerializer
from neisheng.registry.serializers.persons import PersonSerializer
from neisheng.registry.serializers.summary import (
           CountsSerializer,
           DivisionSerializer,
           SummarySerializer,
)

__all__ = ["CountsSerializer", "DivisionSerializer", "HouseholdSerializer", "IncomeItemSerializer",
           "PersonSerializer", "SummarySerializer"]
