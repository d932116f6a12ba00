package dev.skiff.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** -p values as go-connections' nat.ParsePortSpec reads them; the errors are docker 28's words, checked with its CLI. */
class PortSpecsTest {
    private static String render(String spec) {
        return PortSpecs.parse(spec).stream()
                .map(m -> m.port() + "=" + m.binding().hostIp() + "|" + m.binding().hostPort())
                .collect(Collectors.joining(" "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "3000:3000; 3000/tcp=|3000",
            "80; 80/tcp=|",
            "8080:80/udp; 80/udp=|8080",
            "127.0.0.1:8080:80; 80/tcp=127.0.0.1|8080",
            "127.0.0.1::80; 80/tcp=127.0.0.1|",
            "[::1]:8080:80; 80/tcp=::1|8080",
            "0.0.0.0:53:53/UDP; 53/udp=0.0.0.0|53",
            "8000-8002:8000-8002; 8000/tcp=|8000 8001/tcp=|8001 8002/tcp=|8002",
            "8000-8010:80; 80/tcp=|8000-8010",
            "7000-7001; 7000/tcp=| 7001/tcp=|",
            "9000:90/sctp; 90/sctp=|9000",
            "target=80,published=8080,protocol=udp; 80/udp=|8080",
    })
    void parsesDockersForms(String spec, String expected) {
        assertThat(render(spec)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "abc; invalid containerPort: abc",
            "80:abc; invalid containerPort: abc",
            "abc:80; invalid hostPort: abc",
            "80/xyz; invalid proto: xyz",
            "1.2.3:80:80; invalid IP address: 1.2.3",
            "8000-8002:80-81; invalid ranges specified for container and host Ports: 80-81 and 8000-8002",
            "70000; invalid containerPort: 70000",
            "90-80; invalid containerPort: 90-80",
            "8080:; no port specified: 8080:<empty>",
    })
    void refusesWithDockersMessages(String spec, String message) {
        assertThatThrownBy(() -> PortSpecs.parse(spec)).isInstanceOf(Cli.UserError.class).hasMessage(message);
    }

    @Test
    void publishedPortsAreExposedAndBoundInGoMapOrder() {
        PortSpecs.Published p = PortSpecs.collect(List.of("9000:90", "127.0.0.1:3000:3000", "3001:3000"), List.of("100", "5000-5001/udp"));
        assertThat(p.exposedPorts().keySet()).containsExactly("100/tcp", "3000/tcp", "5000/udp", "5001/udp", "90/tcp");
        assertThat(p.portBindings().get("3000/tcp")).containsExactly(new PortSpecs.Binding("127.0.0.1", "3000"), new PortSpecs.Binding("", "3001"));
        assertThatThrownBy(() -> PortSpecs.parseExpose("80:80")).hasMessage("invalid port format for --expose: 80:80");
    }
}
