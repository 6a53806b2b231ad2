-- source: https://github.com/calcom/cal.com/blob/dfa635bf433fe12793dff366126b06c0a02d4d52/packages/prisma/migrations/20220426072946_add_api_key_type_to_api_key/migration.sql

-- CreateEnum
CREATE TYPE "ApiKeyType" AS ENUM ('OTHER', 'ZAPIER');

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "apiKeyType" "ApiKeyType" NOT NULL DEFAULT E'OTHER';

-- AlterTable
ALTER TABLE "Webhook" ALTER COLUMN "subscriptionType" SET DEFAULT E'WEBHOOK';
