package dev.skiff.engine.containers;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The counters docker stats adds to the cgroup's: network interfaces and block I/O, from their kernel texts. */
class ResourceUsageTest {
    @Test
    void interfacesButLoopbackFromProcNetDev() {
        String netDev = """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:      12       1    0    0    0     0          0         0       12       1    0    0    0     0       0          0
                  eth0:    1732      21    1    2    0     0          0         0     1248      15    3    4    0     0       0          0
                  eth1: 5000000000 7 0 0 0 0 0 0 6 8 0 0 0 0 0 0
                """;
        var interfaces = ResourceUsage.interfaces(netDev);
        assertThat(interfaces).containsOnlyKeys("eth0", "eth1");
        assertThat(interfaces.get("eth0")).isEqualTo(new ResourceUsage.Interface(1732, 21, 1, 2, 1248, 15, 3, 4));
        assertThat(interfaces.get("eth1").rxBytes()).isEqualTo(5_000_000_000L);
        assertThat(ResourceUsage.interfaces("")).isEmpty();
    }

    @Test
    void blockIoLinesWithoutTheTotal() {
        String serviceBytes = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Total 12288\nTotal 12288\n";
        assertThat(ResourceUsage.blockIo(serviceBytes)).containsExactly(new ResourceUsage.BlockIo(8, 0, "Read", 4096),
                new ResourceUsage.BlockIo(8, 0, "Write", 8192), new ResourceUsage.BlockIo(8, 0, "Sync", 0),
                new ResourceUsage.BlockIo(8, 0, "Async", 12288), new ResourceUsage.BlockIo(8, 0, "Total", 12288));
        assertThat(ResourceUsage.blockIo("Total 0\n")).isEmpty();
    }
}
