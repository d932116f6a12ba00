package dev.skiff.examples.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small web service: {@code GET /hello?name=NAME} greets in JSON and counts its greetings, {@code GET /health}
 * answers {@code ok}. It listens on {@code $PORT} (default 8080) and stops cleanly on SIGTERM, as a container's
 * process should.
 */
public final class Service {
    private final AtomicLong greetings = new AtomicLong();

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        Service service = new Service();
        server.createContext("/hello", service::hello);
        server.createContext("/health", exchange -> send(exchange, 200, "text/plain", "ok\n"));
        server.setExecutor(Executors.newFixedThreadPool(4));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(1)));
        server.start();
        System.out.println("java-service listening on port " + port + " (Java " + Runtime.version().feature() + ")");
    }

    private void hello(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            send(exchange, 405, "application/json", "{\"error\":\"use GET\"}\n");
            return;
        }
        String name = "world";
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("name=")) {
                    name = URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8);
                }
            }
        }
        long n = greetings.incrementAndGet();
        send(exchange, 200, "application/json", "{\"greeting\":\"Hello, " + json(name) + "!\",\"count\":" + n + "}\n");
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
