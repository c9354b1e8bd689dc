#!/usr/bin/env python3
# The independent PageRank reference of tests/indexer/rank_test.cc: reads the
# pages and raw links a test generated, applies the graph model of
# indexer/include/inlinks/indexer/rank.h (docs/rank.md) on its own, and runs
# networkx's pagerank (Debian python3-networkx).
#
#   pagerank_reference.py INPUT OUTPUT DAMPING
#
# INPUT lines: "page URL" or "link SOURCE TARGET TAG REL" (TAG a core::LinkTag
# name, REL its rel bits: 1 nofollow, 2 ugc, 4 sponsored). Every URL is one
# node (the test never has the http and https versions of one page).
# OUTPUT lines: "URL RANK", RANK = PageRank x number of pages.
import sys

import networkx as nx

UNFOLLOWED = 1 | 2 | 4
ALIAS_TAGS = ("redirect", "canonical")


def build_graph(lines):
    pages = []
    links = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "page":
            pages.append(parts[1])
        elif parts[0] == "link":
            links.append((parts[1], parts[2], parts[3], int(parts[4])))
        else:
            raise ValueError("bad line: " + line)
    nodes = set(pages)
    hyper = {p: set() for p in pages}
    alias = {p: set() for p in pages}
    for source, target, tag, rel in links:
        # Lost links are not in INPUT; links to pages never crawled, and self
        # links, pass nothing.
        if source not in nodes or target not in nodes or source == target:
            continue
        if tag in ALIAS_TAGS:
            alias[source].add(target)  # passes whatever its rel bits say
        elif rel & UNFOLLOWED == 0:
            hyper[source].add(target)  # distinct targets: one edge each
    graph = nx.DiGraph()
    graph.add_nodes_from(pages)
    for p in pages:
        # A page with a redirect or canonical to another page passes its whole
        # score there and nothing through its hyperlinks.
        for t in alias[p] if alias[p] else hyper[p]:
            graph.add_edge(p, t)
    return graph


def pagerank(graph, damping):
    # networkx's tolerance test is err < N * tol with err the L1 change.
    tol = 1e-13 / max(1, graph.number_of_nodes())
    try:
        return nx.pagerank(graph, alpha=damping, tol=tol, max_iter=10000)
    except ImportError:
        # nx.pagerank needs numpy/scipy (not installed with
        # --no-install-recommends); networkx keeps its pure-Python version of
        # the same algorithm (dangling nodes spread uniformly by default).
        from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python
        return _pagerank_python(graph, alpha=damping, tol=tol, max_iter=10000)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: pagerank_reference.py INPUT OUTPUT DAMPING")
    with open(sys.argv[1]) as f:
        graph = build_graph(f.read().splitlines())
    ranks = pagerank(graph, float(sys.argv[3]))
    n = graph.number_of_nodes()
    with open(sys.argv[2], "w") as f:
        for page, rank in ranks.items():
            f.write("%s %.17g\n" % (page, rank * n))


if __name__ == "__main__":
    main()
