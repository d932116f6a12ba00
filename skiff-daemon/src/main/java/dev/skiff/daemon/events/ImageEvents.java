package dev.skiff.daemon.events;

import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageEvent;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.ReferenceSyntax;
import dev.skiff.formats.Digest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns what happens to images into dockerd's image events (daemon/images/image_events.go): the actor
 * is the image ID, or the familiar name for pull and push; the {@code name} attribute is the familiar
 * reference for tag, pull and push and the image ID otherwise; the image's labels join the attributes.
 */
public final class ImageEvents implements Consumer<ImageEvent> {
    private final EventBus bus;
    private final ReferenceSyntax syntax;
    private volatile ImageStore images;

    public ImageEvents(EventBus bus, ReferenceSyntax syntax) {
        this.bus = bus;
        this.syntax = syntax;
    }

    /** The store to read labels from; it is opened after its listener exists. */
    public void attach(ImageStore store) {
        this.images = store;
    }

    @Override
    public void accept(ImageEvent event) {
        switch (event) {
            case ImageEvent.Tagged t -> log(t.imageId().toString(), "tag", syntax.familiar(t.reference()), Optional.of(t.imageId()));
            case ImageEvent.Untagged u -> log(u.imageId().toString(), "untag", u.imageId().toString(), Optional.of(u.imageId()));
            case ImageEvent.Deleted d -> log(d.imageId().toString(), "delete", d.imageId().toString(), Optional.empty());
            case ImageEvent.Imported i -> log(i.imageId().toString(), "import", i.imageId().toString(), Optional.of(i.imageId()));
        }
    }

    /** {@code docker pull} finished (whether or not anything new came): actor and name are the familiar reference. */
    public void pulled(String familiarReference) {
        log(familiarReference, "pull", familiarReference, idOf(familiarReference));
    }

    /** {@code docker push} finished: actor and name are the familiar reference, as for pull. */
    public void pushed(String familiarReference) {
        log(familiarReference, "push", familiarReference, idOf(familiarReference));
    }

    /** {@code docker save} wrote the image. */
    public void saved(Digest imageId) {
        log(imageId.toString(), "save", imageId.toString(), Optional.of(imageId));
    }

    /** {@code docker load} brought the image in. */
    public void loaded(Digest imageId) {
        log(imageId.toString(), "load", imageId.toString(), Optional.of(imageId));
    }

    /** The image a name points at now, for its labels; empty when the name is gone again already. */
    private Optional<Digest> idOf(String reference) {
        ImageStore store = images;
        try {
            return store == null ? Optional.empty() : Optional.of(store.resolve(reference).id());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void log(String actor, String action, String name, Optional<Digest> labelsOf) {
        Map<String, String> attributes = new LinkedHashMap<>();
        ImageStore store = images;
        if (store != null && labelsOf.isPresent()) {
            store.byId(labelsOf.get()).map(Image::config).ifPresent(c -> attributes.putAll(c.config().labels()));
        }
        attributes.put("name", name);
        bus.publish("image", action, actor, attributes);
    }
}
