namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The time Stripe's holds are judged by: the sandbox's clock plus an offset a test moves with
/// <c>POST /sandbox/clock</c>. Only authorisation validity (<c>capture_before</c>) and its expiry read
/// it; webhook signatures, event times and idempotency keep the real clock, so a platform running on
/// real time still accepts every event while the holds it placed age by days.
/// </summary>
public sealed class MoneyClock(TimeProvider time)
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public DateTimeOffset Now => time.GetUtcNow() + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public void Reset() => Interlocked.Exchange(ref _offsetTicks, 0);
}
