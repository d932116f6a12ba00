/**
 * End-to-end tests of {@code skiff registry}: a real {@code skiff registry serve} process on a free
 * loopback port ({@link dev.skiff.it.registry.SkiffRegistryProcess}), driven by the real skopeo, and
 * compared with CNCF distribution 2.8 (Debian's {@code docker-registry}) serving the same root.
 * Images are built locally ({@link dev.skiff.it.support.TestImages}), so nothing needs the network.
 *
 * <p>Every process's output is kept under {@code skiff-it/target/it-logs/}, one file per process;
 * failure messages name the file.
 */
package dev.skiff.it.registry;
