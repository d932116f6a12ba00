/**
 * The registry's accounts and the Docker token flow. {@link dev.skiff.registry.auth.Authenticator} is what
 * the HTTP layer calls: {@code token(...)} for the token endpoint and {@code authorize(...)} for every API
 * request. It decides with the parts below and performs no I/O of its own besides reading the password file.
 *
 * <ul>
 * <li>{@link dev.skiff.registry.auth.Htpasswd}: who the users are (an Apache htpasswd file, bcrypt).</li>
 * <li>{@link dev.skiff.registry.auth.AccessPolicy}: what each user may do (own namespace, admins).</li>
 * <li>{@link dev.skiff.registry.auth.Scope} and {@link dev.skiff.registry.auth.ResourceScope}: the scope
 *     grammar of tokens and challenges.</li>
 * <li>{@link dev.skiff.registry.auth.TokenService}: signing and checking the bearer tokens.</li>
 * <li>{@link dev.skiff.registry.auth.LoginThrottle}: slowing down password guessing.</li>
 * </ul>
 */
package dev.skiff.registry.auth;
