package dev.skiff.engine.images;

import dev.skiff.engine.content.ContentException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.content.ContentWriter;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.DigestingOutputStream;
import dev.skiff.formats.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * {@code docker import}: a root file system tar (plain, gzip or bzip2) becomes a one-layer image,
 * the way dockerd 20.10 builds it (daemon/images/image_import.go): a config with the platform, the
 * creation time, the {@code --change}s applied, one diff_id and one history entry carrying the
 * message, and a Docker schema 2 manifest.
 * <p>
 * The input is read once, streaming: while the tar is checked entry by entry, its bytes are hashed
 * for the diff_id and gzip-compressed into the content store; the layer is never in memory. The
 * compression is deterministic, so the same tar always gives the same layer digest, and with the
 * same options the same image ID.
 */
public final class ImageImporter {
    /** What Docker records when no message is given and the input came from the request body. */
    public static final String DEFAULT_MESSAGE = "Imported from -";

    private final ContentStore content;
    private final ImageStore images;

    public ImageImporter(ContentStore content, ImageStore images) {
        this.content = content;
        this.images = images;
    }

    /**
     * @throws ImportException        when the input is not a (compressed) tar or the platform is not supported
     * @throws InvalidChangeException when a change is not a valid change instruction
     */
    public Image importImage(InputStream rootfs, ImportOptions options) {
        if (!options.os().equals("linux")) {
            throw new ImportException("image operating system \"" + options.os()
                    + "\" cannot be used on this platform; import with os linux");
        }
        if (options.architecture().isBlank()) {
            throw new ImportException("an import needs an architecture, for example amd64");
        }
        options.reference().ifPresent(images::checkTagReference);
        ImageConfig.ContainerConfig containerConfig =
                ConfigChanges.apply(ImageConfig.ContainerConfig.EMPTY, options.changes());

        LayerWritten layer = writeLayer(rootfs);

        String comment = options.message().orElse(DEFAULT_MESSAGE);
        ImageConfig config = new ImageConfig(options.architecture(), options.os(), "", "",
                Optional.of(options.created()), comment, containerConfig, List.of(layer.diffId()),
                List.of(new ImageConfig.History(Optional.of(options.created()), "", "", comment, false)));
        byte[] configJson = ImageConfigCodec.serialize(config);
        Digest configDigest = content.put(configJson);

        Descriptor configDescriptor = Descriptor.of(MediaTypes.DOCKER_CONFIG, configDigest, configJson.length);
        Descriptor layerDescriptor = Descriptor.of(MediaTypes.DOCKER_LAYER, layer.digest(), layer.size());
        byte[] manifestJson = schema2Manifest(configDescriptor, layerDescriptor);
        Digest manifestDigest = content.put(manifestJson);

        Image image = images.put(configDigest,
                Optional.of(Descriptor.of(MediaTypes.DOCKER_MANIFEST, manifestDigest, manifestJson.length)),
                List.of(new Layer(layerDescriptor, layer.diffId(), layer.uncompressedSize())));
        options.reference().ifPresent(r -> images.tag(image.id(), r));
        images.publish(new ImageEvent.Imported(image.id(), options.reference()));
        return images.byId(image.id()).orElse(image);
    }

    private record LayerWritten(Digest digest, long size, Digest diffId, long uncompressedSize) {
    }

    private LayerWritten writeLayer(InputStream rootfs) {
        try (ContentWriter writer = content.writer()) {
            // stored uncompressed, as load keeps a save's layers: a push compresses it (ParallelGzip,
            // deterministic) when a registry needs it, so importing costs a write, not a gzip
            DigestingOutputStream diff = new DigestingOutputStream(writer, Digest.Algorithm.SHA256);
            SourceInputStream source = new SourceInputStream(rootfs);
            int entries = 0;
            try {
                TeeInputStream tee = new TeeInputStream(decompressed(source), diff);
                TarArchiveInputStream tar = new TarArchiveInputStream(tee);
                while (tar.getNextEntry() != null) {
                    entries++; // getNextEntry skips the entry's data, through the tee
                }
                tee.drain(); // the end-of-archive blocks and any padding belong to the layer too
            } catch (TeeInputStream.SinkException | SourceInputStream.SourceException e) {
                throw e;
            } catch (IOException | IllegalArgumentException e) {
                // what is left: the decompressor or the tar reader did not like the bytes
                throw notATar(e.getMessage(), e);
            }
            if (diff.count() == 0) {
                throw new ImportException("the import input is empty: give a tar archive of a root file system");
            }
            if (entries == 0 && diff.count() % 512 != 0) {
                throw notATar("it is " + diff.count() + " bytes, not a whole number of 512-byte tar blocks", null);
            }
            Digest digest = writer.commit(Optional.empty(), Optional.empty());
            return new LayerWritten(digest, writer.size(), diff.digest(), diff.count());
        } catch (TeeInputStream.SinkException e) {
            throw new ImportException("could not store the imported layer: " + e.getMessage()
                    + "; check the data root's free space", e);
        } catch (IOException e) {
            throw new ImportException("could not read the import input: " + e.getMessage(), e);
        } catch (ContentException e) {
            throw new ImportException("could not store the imported layer: " + e.getMessage(), e);
        }
    }

    private static ImportException notATar(String detail, Throwable cause) {
        return new ImportException("the import input is not a tar archive or is damaged (" + detail + "); "
                + "docker import takes "
                + "a tar of a root file system, plain or compressed with gzip or bzip2", cause);
    }

    /** The caller's input; its read failures are told apart from bad content. */
    private static final class SourceInputStream extends java.io.FilterInputStream {
        static final class SourceException extends IOException {
            SourceException(IOException cause) {
                super(cause.getMessage(), cause);
            }
        }

        SourceInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw new SourceException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw new SourceException(e);
            }
        }
    }

    /** Docker's DecompressStream: the format is told by its magic bytes. */
    private static InputStream decompressed(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(6);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (startsWith(magic, 0x1f, 0x8b, 0x08)) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (startsWith(magic, 'B', 'Z', 'h')) {
            return new BZip2CompressorInputStream(in, true);
        }
        if (startsWith(magic, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            throw new ImportException("xz-compressed import input is not supported; decompress it first (xz -d) "
                    + "or use gzip");
        }
        if (startsWith(magic, 0x28, 0xb5, 0x2f, 0xfd)) {
            throw new ImportException("zstd-compressed import input is not supported; decompress it first "
                    + "(zstd -d) or use gzip");
        }
        return in;
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A Docker schema 2 manifest, laid out as distribution's Go code writes it (MarshalIndent, three
     * spaces), so it reads like one Docker would push. Digests and media types need no escaping.
     */
    static byte[] schema2Manifest(Descriptor config, Descriptor... layers) {
        return manifest(MediaTypes.DOCKER_MANIFEST, config, layers);
    }

    /** A Docker schema 2 or OCI image manifest ({@code mediaType}) in that same layout. */
    public static byte[] manifest(String mediaType, Descriptor config, Descriptor... layers) {
        StringBuilder s = new StringBuilder();
        s.append("{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"").append(mediaType).append("\",\n");
        s.append("   \"config\": ");
        descriptor(s, config, "   ");
        s.append(",\n   \"layers\": [");
        s.append(String.join(",", Arrays.stream(layers).map(l -> {
            StringBuilder b = new StringBuilder("\n      ");
            descriptor(b, l, "      ");
            return b.toString();
        }).toList()));
        s.append(layers.length == 0 ? "]" : "\n   ]").append("\n}");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void descriptor(StringBuilder s, Descriptor d, String indent) {
        s.append("{\n").append(indent).append("   \"mediaType\": \"").append(d.mediaType()).append("\",\n")
                .append(indent).append("   \"size\": ").append(d.size()).append(",\n")
                .append(indent).append("   \"digest\": \"").append(d.digest()).append("\"\n")
                .append(indent).append("}");
    }
}
