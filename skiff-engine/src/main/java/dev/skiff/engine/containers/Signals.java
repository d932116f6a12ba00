package dev.skiff.engine.containers;

import java.util.Locale;
import java.util.Map;

/** Signal names and numbers as docker accepts them ({@code SIGTERM}, {@code TERM}, {@code 15}). */
final class Signals {
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10),
            Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20),
            Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25),
            Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31));

    private Signals() {
    }

    /** What runc's kill takes: the bare name ({@code TERM}) or the number. */
    static String normalize(String signal) {
        String s = signal.trim().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        if (s.chars().allMatch(Character::isDigit) && !s.isEmpty()) {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 64) {
                throw new ContainerException.InvalidArgument("Invalid signal: " + signal);
            }
            return s;
        }
        if (!NUMBERS.containsKey(s)) {
            throw new ContainerException.InvalidArgument("Invalid signal: " + signal);
        }
        return s;
    }

    static String number(String signal) {
        String s = normalize(signal);
        return NUMBERS.containsKey(s) ? NUMBERS.get(s).toString() : s;
    }
}
