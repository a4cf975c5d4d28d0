namespace CaaS.Grains.Integration.Http;

public static class IntegrationHeaders
{
    /// <summary>Makes a POST safe to repeat; the pipelines retry a POST only when it carries one.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    public const string ApiKey = "X-Api-Key";
}
