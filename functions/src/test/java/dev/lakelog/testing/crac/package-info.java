/**
 * A CRaC implementation that org.crac forwards to in the tests, standing in for the Lambda runtime's
 * ({@code SnapStartHooksTest}); see {@link dev.lakelog.testing.crac.Core}.
 */
package dev.lakelog.testing.crac;
