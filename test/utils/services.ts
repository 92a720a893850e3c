/** Where the test suite finds its real back ends (scripts/test.sh makes sure they run). */
export const TEST_PG_URL = process.env.BERTH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_AMQP_URL = process.env.BERTH_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
