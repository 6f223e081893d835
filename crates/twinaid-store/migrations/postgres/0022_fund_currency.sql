-- Money in other currencies: a fund transaction keeps its currency and the
-- amount in it (hundredths, negative for a reversal); its yuan amount may
-- wait for a rate, so it may be empty.
ALTER TABLE fund_transaction ALTER COLUMN amount DROP NOT NULL;
ALTER TABLE fund_transaction ADD COLUMN currency TEXT;
ALTER TABLE fund_transaction ADD COLUMN original_amount BIGINT;
