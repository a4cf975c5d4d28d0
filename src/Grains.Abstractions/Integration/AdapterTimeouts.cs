namespace CaaS.Grains.Abstractions.Integration;

/// <summary>
/// How long a grain call into an adapter may take: the RES row's worst case (every attempt timing out
/// plus every backoff) with headroom. Orleans' 30 s default would give up on a call that the matrix
/// says is still in progress, and the caller would act on a failure that has not happened.
/// </summary>
public static class AdapterTimeouts
{
    /// <summary>VSS: 4 attempts of 5 s plus 5, 10 and 20 s of backoff = 55 s.</summary>
    public const string Vss = "00:01:30";

    /// <summary>Registration: 3 attempts of 60 s plus 2 × 10 s = 200 s.</summary>
    public const string Registration = "00:04:00";

    /// <summary>Payments: 2 attempts of 30 s.</summary>
    public const string Payment = "00:01:30";

    /// <summary>Factory: one attempt of 30 s.</summary>
    public const string Factory = "00:01:00";

    /// <summary>Fleet: 3 attempts of 5 s plus 1 and 2 s of backoff = 18 s.</summary>
    public const string Fleet = "00:00:45";
}
