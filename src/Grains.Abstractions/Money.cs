namespace CaaS.Grains.Abstractions;

/// <summary>An amount in minor units (cents) and its ISO 4217 currency, as the contract states money.</summary>
[GenerateSerializer, Immutable, Alias("caas.money")]
public sealed record Money([property: Id(0)] long Amount, [property: Id(1)] string Currency)
{
    public static Money Eur(long amount) => new(amount, "EUR");

    public static Money Zero(string currency) => new(0, currency);

    public Money Plus(Money other) => Same(other) with { Amount = Amount + other.Amount };

    public Money Minus(Money other) => Same(other) with { Amount = Amount - other.Amount };

    private Money Same(Money other) => other.Currency == Currency
        ? this
        : throw new InvalidOperationException($"cannot combine {Currency} with {other.Currency}");
}
