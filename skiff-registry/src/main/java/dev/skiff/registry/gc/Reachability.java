package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which manifest revisions of one repository stay, as a pure function of the revision graph, so the
 * policy can be tested without storage. A revision stays when a root reaches it: through an index's
 * children, through a referrer's subject, or, backwards, as a referrer of a revision that stays
 * (a signature or SBOM lives as long as the image it describes).
 */
final class Reachability {
    private final Set<Digest> revisions;
    private final Function<Digest, References> references;
    private final Map<Digest, List<Digest>> referrersBySubject = new HashMap<>();

    Reachability(Set<Digest> revisions, Function<Digest, References> references) {
        this.revisions = revisions;
        this.references = references;
        for (Digest revision : revisions) {
            references.apply(revision).subject()
                    .ifPresent(s -> referrersBySubject.computeIfAbsent(s, k -> new ArrayList<>()).add(revision));
        }
    }

    /** The revisions reachable from {@code roots}, roots included when they are revisions. */
    Set<Digest> closure(Collection<Digest> roots) {
        Set<Digest> reached = new HashSet<>();
        Deque<Digest> work = new ArrayDeque<>(roots);
        while (!work.isEmpty()) {
            Digest d = work.pop();
            if (!revisions.contains(d) || !reached.add(d)) {
                continue;
            }
            references.apply(d).manifestEdges().forEach(work::push);
            work.addAll(referrersBySubject.getOrDefault(d, List.of()));
        }
        return reached;
    }

    /**
     * {@code nodes} ordered so that a manifest comes before the manifests it references. Removing in
     * this order means that when a referencing manifest turns out to be in use after all (pushed
     * again during the run), what it references has not been removed yet and can be spared with it.
     */
    List<Digest> parentsFirst(Set<Digest> nodes) {
        List<Digest> postOrder = new ArrayList<>();
        Set<Digest> visited = new HashSet<>();
        for (Digest start : nodes) {
            if (visited.contains(start)) {
                continue;
            }
            // Iterative depth-first search: chains of referrers may be long.
            Deque<Iterator<Digest>> stack = new ArrayDeque<>();
            Deque<Digest> path = new ArrayDeque<>();
            visited.add(start);
            path.push(start);
            stack.push(children(start, nodes).iterator());
            while (!stack.isEmpty()) {
                Iterator<Digest> it = stack.peek();
                if (it.hasNext()) {
                    Digest next = it.next();
                    if (visited.add(next)) {
                        path.push(next);
                        stack.push(children(next, nodes).iterator());
                    }
                } else {
                    stack.pop();
                    postOrder.add(path.pop());
                }
            }
        }
        return postOrder.reversed();
    }

    private List<Digest> children(Digest d, Set<Digest> within) {
        Set<Digest> children = new LinkedHashSet<>();
        references.apply(d).manifestEdges().filter(within::contains).forEach(children::add);
        return new ArrayList<>(children);
    }
}
