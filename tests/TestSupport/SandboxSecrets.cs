namespace CaaS.TestSupport;

/// <summary>
/// The sandbox's credentials as config/local.json gives them to the sandbox and the platform alike:
/// a test that signs or verifies with these does what the two ends do, and a test that uses anything
/// else is a forger.
/// </summary>
public static class SandboxSecrets
{
    /// <summary>The sandbox Factory's Standard Webhooks signing secret.</summary>
    public const string FactorySecret = "whsec_bG9jYWwtZmFjdG9yeS13ZWJob29rLXNlY3JldA==";

    /// <summary>The sandbox Fleet's Standard Webhooks signing secret.</summary>
    public const string FleetSecret = "whsec_bG9jYWwtZmxlZXQtd2ViaG9vay1zZWNyZXQ=";

    /// <summary>The sandbox Stripe's webhook signing secret.</summary>
    public const string StripeWebhookSecret = "whsec_local_stripe_webhook_secret";

    /// <summary>The sandbox issuer's forecasting service client (role analytics, SEC-6).</summary>
    public const string ForecasterClientId = "caas-forecaster";

    public const string ForecasterClientSecret = "local-forecaster-client-secret";

    /// <summary>The sandbox issuer's ops tool client (role ops, SEC-6).</summary>
    public const string OpsToolClientId = "caas-ops-tool";

    public const string OpsToolClientSecret = "local-ops-tool-client-secret";

    /// <summary>The sandbox Stripe's API key.</summary>
    public const string StripeSecretKey = "sk_test_local_caas_sandbox";
}
