package dev.skiff.engine.images;

import dev.skiff.formats.Digest;

import java.util.List;

/** What {@code docker rmi} reports, item by item: {@code [{"Untagged": ...}, {"Deleted": ...}]}. */
public record RemoveResult(List<Item> items) {
    public RemoveResult {
        items = List.copyOf(items);
    }

    public sealed interface Item {
        /** The line the docker CLI prints for it. */
        String line();
    }

    /** A reference removed, in familiar form ({@code busybox:latest}). */
    public record Untagged(String reference) implements Item {
        @Override
        public String line() {
            return "Untagged: " + reference;
        }
    }

    /** An image ID, then the chain IDs of the layers that went with it. */
    public record Deleted(Digest digest) implements Item {
        @Override
        public String line() {
            return "Deleted: " + digest;
        }
    }

    public List<String> lines() {
        return items.stream().map(Item::line).toList();
    }

    public boolean deletedImage() {
        return items.stream().anyMatch(i -> i instanceof Deleted);
    }
}
