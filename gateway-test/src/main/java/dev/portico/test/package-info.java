/**
 * The test kit for users' own gateways: {@link dev.portico.test.GatewayTester} runs a built gateway in memory, with
 * stubbed upstreams and a controllable {@link dev.portico.test.TestClock}, or started on a real listener.
 */
package dev.portico.test;
