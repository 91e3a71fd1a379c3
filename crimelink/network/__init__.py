"""The organised crime picture: a network over resolved entities and what can be read from it."""

from crimelink.network.model import Evidence, GroupFacts, Network, Node, build_network, group_facts

__all__ = ["Evidence", "GroupFacts", "Network", "Node", "build_network", "group_facts"]
