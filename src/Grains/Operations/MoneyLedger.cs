using CaaS.Grains.Abstractions.Operations;

namespace CaaS.Grains.Operations;

public static class MoneyLedger
{
    /// <summary>A step's movement is recorded once, whatever retries or replays bring it again.</summary>
    public static void Record(List<MoneyMoved> ledger, MoneyMoved moved)
    {
        if (!ledger.Exists(known => known.MovementId == moved.MovementId))
        {
            ledger.Add(moved);
        }
    }
}
