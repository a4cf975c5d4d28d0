namespace CaaS.Grains.Abstractions;

/// <summary>
/// The one stream provider the grains publish their events on (bookings, flow moves, money moves).
/// Its streams are subscribed implicitly, so the pub-sub store holds nothing worth keeping.
/// </summary>
public static class CaaSStreams
{
    public const string Provider = "caas-streams";
}
