/**
 * What end-to-end tests share: running real programs with time limits ({@link dev.skiff.it.support.ExternalCommand},
 * {@link dev.skiff.it.support.ServerProcess}, {@link dev.skiff.it.support.SkiffCli}), the Debian tools they need
 * ({@link dev.skiff.it.support.RequiredTool}: a missing one fails the test and names its package), and test images
 * written as OCI image layouts ({@link dev.skiff.it.support.OciLayout}, {@link dev.skiff.it.support.TestImages}).
 */
package dev.skiff.it.support;
