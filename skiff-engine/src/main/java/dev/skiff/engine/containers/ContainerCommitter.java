package dev.skiff.engine.containers;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.content.ContentWriter;
import dev.skiff.engine.images.ConfigChanges;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConfig;
import dev.skiff.engine.images.ImageConfigCodec;
import dev.skiff.engine.images.ImageImporter;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.Layer;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.DigestingOutputStream;
import dev.skiff.formats.MediaTypes;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code docker commit}: a new image made of the container's image plus one layer, the container's
 * upper dir as an OCI layer tar ({@link ContainerFiles#diff}), with a config taken from the
 * container's (plus Dockerfile-style {@code changes}) and one more history entry. The layer is stored
 * uncompressed, as {@code import} stores its layer; a push compresses it.
 */
public final class ContainerCommitter {
    private final ContainerEngine engine;
    private final ContainerFiles files;
    private final ContentStore content;
    private final ImageStore images;

    public ContainerCommitter(ContainerEngine engine, ContainerFiles files, ContentStore content, ImageStore images) {
        this.engine = engine;
        this.files = files;
        this.content = content;
        this.images = images;
    }

    /**
     * @param reference a full reference to tag the image with ({@code docker.io/library/x:latest}); empty leaves it untagged
     * @param pause     pause a running container while its files are read (docker's default)
     */
    public record Options(Optional<String> reference, String comment, String author, boolean pause, List<String> changes) {
        public Options {
            changes = List.copyOf(changes);
        }
    }

    public Image commit(String ref, Options options) {
        Container c = engine.get(ref);
        Image base = images.byId(c.imageId()).orElseThrow(() -> new ContainerException.Conflict(
                "the image of container " + c.shortId() + " (" + c.imageId() + ") is gone; nothing to commit onto"));
        ImageConfig.ContainerConfig config = ConfigChanges.apply(imageConfigOf(c.config(), base.config().config()), options.changes());

        boolean paused = false;
        if (options.pause() && c.state().status() == ContainerState.Status.RUNNING) {
            engine.pause(c.id());
            paused = true;
        }
        Layer layer;
        try {
            layer = writeLayer(c, Optional.empty());
        } finally {
            if (paused) {
                engine.unpause(c.id());
            }
        }
        Instant now = Instant.now();
        ImageConfig.History entry = new ImageConfig.History(Optional.of(now), String.join(" ", c.config().args()),
                options.author(), options.comment(), false);
        Image image = record(base, config, Optional.of(layer), entry);
        options.reference().ifPresent(r -> images.tag(image.id(), r));
        return images.byId(image.id()).orElse(image);
    }

    /**
     * Records a child of {@code base}: its config replaced by {@code config}, {@code layer} (when there
     * is one) on top of its layers and {@code history} appended to its history; the image's created,
     * author and comment are the history entry's. What {@code commit} and the builder's steps make.
     */
    public Image record(Image base, ImageConfig.ContainerConfig config, Optional<Layer> layer, ImageConfig.History history) {
        List<Digest> diffIds = new ArrayList<>(base.config().diffIds());
        layer.ifPresent(l -> diffIds.add(l.diffId()));
        List<ImageConfig.History> entries = new ArrayList<>(base.config().history());
        entries.add(history);
        ImageConfig imageConfig = new ImageConfig(base.config().architecture(), base.config().os(), base.config().variant(),
                history.author(), history.created(), history.comment(), config, diffIds, entries);
        byte[] configJson = ImageConfigCodec.serialize(imageConfig);
        Digest configDigest = content.put(configJson);

        List<Layer> layers = new ArrayList<>(base.layers());
        layer.ifPresent(layers::add);
        Descriptor configDescriptor = Descriptor.of(MediaTypes.DOCKER_CONFIG, configDigest, configJson.length);
        byte[] manifest = ImageImporter.manifest(MediaTypes.DOCKER_MANIFEST, configDescriptor,
                layers.stream().map(Layer::blob).toArray(Descriptor[]::new));
        Digest manifestDigest = content.put(manifest);
        return images.put(configDigest, Optional.of(Descriptor.of(MediaTypes.DOCKER_MANIFEST, manifestDigest, manifest.length)), layers);
    }

    /** The container's changes to its image (its upper dir) stored as an uncompressed layer. */
    public Layer changes(Container c) {
        return writeLayer(c, Optional.empty());
    }

    /** As {@link #changes(Container)}, with no file time later than {@code clamp} ({@code SOURCE_DATE_EPOCH}). */
    public Layer changes(Container c, Optional<Instant> clamp) {
        return writeLayer(c, clamp);
    }

    private Layer writeLayer(Container c, Optional<Instant> clamp) {
        try (ContentWriter writer = content.writer()) {
            DigestingOutputStream diff = new DigestingOutputStream(writer, Digest.Algorithm.SHA256);
            files.diff(c, diff, clamp);
            diff.flush();
            Digest digest = writer.commit(Optional.empty(), Optional.empty());
            return new Layer(Descriptor.of(MediaTypes.DOCKER_LAYER, digest, writer.size()), diff.digest(), diff.count());
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot write the changes of container " + c.shortId()
                    + " as a layer: " + e.getMessage(), e);
        }
    }

    /** The container's config in the image's terms; what a container cannot say is kept from its image. */
    static ImageConfig.ContainerConfig imageConfigOf(ContainerConfig c, ImageConfig.ContainerConfig image) {
        return new ImageConfig.ContainerConfig(c.user(), c.env(), c.entrypoint() == null ? List.of() : c.entrypoint(),
                c.cmd() == null ? List.of() : c.cmd(), c.workingDir(),
                new TreeSet<>(c.exposedPorts() == null ? java.util.Set.of() : c.exposedPorts().keySet()),
                new TreeSet<>(c.volumes() == null ? java.util.Set.of() : c.volumes().keySet()),
                new TreeMap<>(c.labels()), c.stopSignal() == null ? "" : c.stopSignal(),
                c.onBuild() == null ? List.of() : c.onBuild(), image.healthcheck());
    }
}
