package dev.skiff.daemon.api;

import dev.skiff.daemon.api.ContainerListFilter.Candidate;
import dev.skiff.daemon.api.ContainerListFilter.Port;
import dev.skiff.daemon.api.ContainerListFilter.Volume;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker ps's filters on a fixed list of containers, newest first, the way dockerd's list is ordered. */
class ContainerListFilterTest {
    private static final Candidate WEB = new Candidate("aaa111", "/web", "running", true, 0, Map.of("tier", "front"), "sha256:img1",
            "healthy", List.of(new Volume("data", "/var/lib/skiff/volumes/data/_data", "/data")),
            Map.of("appnet", "0123456789ab"), List.of(new Port(80, 8080, "tcp"), new Port(443, 0, "tcp")));
    private static final Candidate JOB = new Candidate("bbb222", "/job", "exited", false, 3, Map.of(), "sha256:img2",
            "none", List.of(new Volume("", "/srv/in", "/in")), Map.of("bridge", "fedcba987654"), List.of());
    private static final Candidate NEW = new Candidate("ccc333", "/fresh", "created", false, 0, Map.of(), "sha256:img1",
            "none", List.of(), Map.of(), List.of(new Port(53, 0, "udp")));
    private static final Candidate DB = new Candidate("ddd444", "/db", "running", true, 0, Map.of("tier", "back"), "sha256:img2",
            "unhealthy", List.of(), Map.of("appnet", "0123456789ab"), List.of(new Port(5432, 15432, "tcp")));
    // newest first: db was created last
    private static final List<Candidate> ALL = List.of(DB, NEW, JOB, WEB);

    private static List<String> names(String filtersJson, boolean all) {
        return names(filtersJson, all, -1);
    }

    private static List<String> names(String filtersJson, boolean all, int limit) {
        Filters filters = Filters.parse(Optional.ofNullable(filtersJson), ContainerListFilter.NAMES);
        ContainerListFilter filter = new ContainerListFilter(filters, all,
                ref -> ALL.stream().filter(c -> c.id().startsWith(ref) || c.name().equals("/" + ref)).map(Candidate::id).findFirst(),
                ref -> ref.equals("busybox") ? Optional.of("sha256:img1") : Optional.empty());
        return filter.apply(ALL, limit, Candidate::name);
    }

    @Test
    void withoutFiltersOnlyRunningContainersUnlessAllOrALimit() {
        assertThat(names(null, false)).containsExactly("/db", "/web");
        assertThat(names(null, true)).containsExactly("/db", "/fresh", "/job", "/web");
        assertThat(names(null, false, 2)).containsExactly("/db", "/fresh");
    }

    @Test
    void beforeAndSinceCountByCreationAndTakeNamesOrIds() {
        assertThat(names("{\"before\":{\"fresh\":true}}", true)).containsExactly("/job", "/web");
        assertThat(names("{\"since\":{\"bbb\":true}}", true)).containsExactly("/db", "/fresh");
        assertThat(names("{\"since\":{\"web\":true},\"before\":{\"db\":true}}", true)).containsExactly("/fresh", "/job");
        assertThat(names("{\"before\":{\"fresh\":true}}", false)).containsExactly("/web");
    }

    @Test
    void statusListsStoppedContainersButExitedAloneDoesNot() {
        assertThat(names("{\"status\":{\"exited\":true}}", false)).containsExactly("/job");
        assertThat(names("{\"status\":{\"created\":true,\"running\":true}}", false)).containsExactly("/db", "/fresh", "/web");
        assertThat(names("{\"exited\":{\"3\":true}}", false)).isEmpty();
        assertThat(names("{\"exited\":{\"3\":true}}", true)).containsExactly("/job");
        assertThat(names("{\"exited\":{\"0\":true}}", true)).isEmpty();
    }

    @Test
    void healthVolumeAndNetwork() {
        assertThat(names("{\"health\":{\"healthy\":true}}", true)).containsExactly("/web");
        assertThat(names("{\"health\":{\"none\":true}}", true)).containsExactly("/fresh", "/job");
        assertThat(names("{\"volume\":{\"data\":true}}", true)).containsExactly("/web");
        assertThat(names("{\"volume\":{\"/in\":true}}", true)).containsExactly("/job");
        assertThat(names("{\"volume\":{\"/srv/in\":true}}", true)).containsExactly("/job");
        assertThat(names("{\"volume\":{\"nope\":true}}", true)).isEmpty();
        assertThat(names("{\"network\":{\"appnet\":true}}", true)).containsExactly("/db", "/web");
        assertThat(names("{\"network\":{\"fedcba\":true}}", true)).containsExactly("/job");
        assertThat(names("{\"network\":{\"app\":true}}", true)).isEmpty();
    }

    @Test
    void publishMatchesHostPortsAndExposeContainerPortsWithRanges() {
        assertThat(names("{\"publish\":{\"8080\":true}}", true)).containsExactly("/web");
        assertThat(names("{\"publish\":{\"80\":true}}", true)).isEmpty();
        assertThat(names("{\"expose\":{\"80/tcp\":true}}", true)).containsExactly("/web");
        assertThat(names("{\"expose\":{\"50-500\":true}}", true)).containsExactly("/web");
        assertThat(names("{\"expose\":{\"50-500/udp\":true}}", true)).containsExactly("/fresh");
        assertThat(names("{\"publish\":{\"15000-16000\":true}}", true)).containsExactly("/db");
    }

    @Test
    void namesIdsLabelsAncestorsAndTasks() {
        assertThat(names("{\"name\":{\"^/?w\":true}}", true)).containsExactly("/web");
        assertThat(names("{\"name\":{\"^j\":true}}", true)).containsExactly("/job");
        assertThat(names("{\"id\":{\"ccc\":true}}", true)).containsExactly("/fresh");
        assertThat(names("{\"label\":{\"tier=back\":true}}", true)).containsExactly("/db");
        assertThat(names("{\"ancestor\":{\"busybox\":true}}", true)).containsExactly("/fresh", "/web");
        assertThat(names("{\"ancestor\":{\"unknown\":true}}", true)).isEmpty();
        assertThat(names("{\"is-task\":{\"true\":true}}", true)).isEmpty();
        assertThat(names("{\"is-task\":{\"false\":true}}", true)).hasSize(4);
    }

    @Test
    void badValuesAreRefusedWithDockerdsWords() {
        assertThatThrownBy(() -> names("{\"status\":{\"sleeping\":true}}", true)).isInstanceOf(ApiException.class)
                .hasMessage("invalid filter 'status=sleeping': invalid value for state (sleeping): must be one of "
                        + "created, running, paused, restarting, removing, exited, dead")
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> names("{\"health\":{\"ok\":true}}", true))
                .hasMessageStartingWith("invalid filter 'health=ok': invalid value for health (ok)");
        assertThatThrownBy(() -> names("{\"exited\":{\"x\":true}}", true)).hasMessageStartingWith("invalid filter 'exited=x'");
        assertThatThrownBy(() -> names("{\"publish\":{\"1:2\":true}}", true)).hasMessage("filter for 'publish' should not contain ':': 1:2");
        assertThatThrownBy(() -> names("{\"expose\":{\"http\":true}}", true))
                .hasMessage("error while looking up for expose http: invalid port 'http'");
        assertThatThrownBy(() -> names("{\"expose\":{\"90-80\":true}}", true)).hasMessageStartingWith("error while looking up for expose 90-80");
        assertThatThrownBy(() -> names("{\"is-task\":{\"maybe\":true}}", true)).hasMessage("Invalid filter 'is-task=[maybe]'");
        assertThatThrownBy(() -> names("{\"before\":{\"ghost\":true}}", true)).isInstanceOf(ApiException.class)
                .hasMessage("No such container: ghost").satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(404));
        assertThatThrownBy(() -> names("{\"colour\":{\"red\":true}}", true)).hasMessage("Invalid filter 'colour'");
    }
}
