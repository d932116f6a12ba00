package dev.skiff.http;

/** Handles one request on the connection's virtual thread; must send exactly one response. */
@FunctionalInterface
public interface ExchangeHandler {
    void handle(Exchange exchange) throws InterruptedException;
}
