using System.Globalization;

namespace CaaS.Grains.Abstractions.Operations;

[GenerateSerializer, Alias("caas.revenue-kind")]
public enum RevenueKind
{
    Rental = 0,
    VehicleService = 1,
}

[GenerateSerializer, Alias("caas.money-movement-type")]
public enum MoneyMovementType
{
    Captured = 0,
    Refunded = 1,
    /// <summary>PAY-4, PAY-6: money captured earlier did not settle after all.</summary>
    SettlementFailed = 2,
}

/// <summary>
/// Money that moved at the payment provider for one flow (ADM-4), published by the flow after it
/// recorded the move. <paramref name="MovementId"/> is the step's idempotency key, so a repeated
/// publication is counted once.
/// </summary>
/// <param name="FinesAmount">The part of <paramref name="Amount"/> that is fines or fees (PAY-2, PAY-3).</param>
[GenerateSerializer, Immutable, Alias("caas.money-moved")]
public sealed record MoneyMoved(
    [property: Id(0)] string MovementId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] RevenueKind Kind,
    [property: Id(3)] MoneyMovementType Type,
    [property: Id(4)] Money Amount,
    [property: Id(5)] long FinesAmount,
    [property: Id(6)] string FlowId,
    [property: Id(7)] string PaymentIntentId);

/// <summary>The money moved on one UTC day (key "yyyy-MM-dd"), kept by the revenue event stream.</summary>
public interface IRevenueDayGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<MoneyMoved>> ListAsync();

    Task ClearAsync();
}

public static class RevenueStreams
{
    public const string Namespace = "revenue-events";

    public static string DayKey(DateTimeOffset at) => DayKey(DateOnly.FromDateTime(at.UtcDateTime));

    public static string DayKey(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>A day as it was stored whole before its movements became rows; read only to move them.</summary>
[GenerateSerializer, Alias("caas.revenue-day-state")]
public sealed class RevenueDayState
{
    [Id(0)] public Dictionary<string, MoneyMoved> Movements { get; set; } = [];
}

/// <summary>Signed totals: captured net of failed settlements, refunded, the fines among them, and what stays.</summary>
public sealed record RevenueFigures(long Captured, long Refunded, long Fines, long Net)
{
    public static readonly RevenueFigures Zero = new(0, 0, 0, 0);

    public static RevenueFigures Of(IEnumerable<MoneyMoved> movements)
    {
        long captured = 0, refunded = 0, fines = 0;
        foreach (var movement in movements)
        {
            switch (movement.Type)
            {
                case MoneyMovementType.Captured:
                    captured += movement.Amount.Amount;
                    fines += movement.FinesAmount;
                    break;
                case MoneyMovementType.SettlementFailed:
                    captured -= movement.Amount.Amount;
                    fines -= movement.FinesAmount;
                    break;
                case MoneyMovementType.Refunded:
                    refunded += movement.Amount.Amount;
                    fines -= movement.FinesAmount;
                    break;
            }
        }

        return new RevenueFigures(captured, refunded, fines, captured - refunded);
    }
}

public sealed record RevenueByKind(RevenueKind Kind, RevenueFigures Figures);

public sealed record RevenueDay(DateOnly Date, RevenueFigures Figures, IReadOnlyList<RevenueByKind> ByKind);

/// <summary>ADM-4: the days from <paramref name="From"/> to <paramref name="To"/>, both included, in one currency.</summary>
public sealed record RevenueReport(DateOnly From, DateOnly To, string Currency, RevenueFigures Totals, IReadOnlyList<RevenueByKind> ByKind,
    IReadOnlyList<RevenueDay> ByDay)
{
    public const int MaxDays = 366;

    public static RevenueReport Build(DateOnly from, DateOnly to, string currency, IEnumerable<MoneyMoved> movements)
    {
        var inReport = movements
            .Where(movement => movement.Amount.Currency == currency)
            .Where(movement => DateOnly.FromDateTime(movement.At.UtcDateTime) is var day && day >= from && day <= to)
            .ToList();
        var days = new List<RevenueDay>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var ofDay = inReport.Where(movement => DateOnly.FromDateTime(movement.At.UtcDateTime) == day).ToList();
            days.Add(new RevenueDay(day, RevenueFigures.Of(ofDay), ByKindOf(ofDay)));
        }

        return new RevenueReport(from, to, currency, RevenueFigures.Of(inReport), ByKindOf(inReport), days);
    }

    private static IReadOnlyList<RevenueByKind> ByKindOf(IReadOnlyList<MoneyMoved> movements) =>
        [.. Enum.GetValues<RevenueKind>().Select(kind => new RevenueByKind(kind, RevenueFigures.Of(movements.Where(movement => movement.Kind == kind))))];
}
