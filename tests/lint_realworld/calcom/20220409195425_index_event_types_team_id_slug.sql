-- source: https://github.com/calcom/cal.com/blob/1260188809febaba96f8bf24417be17c13c2245c/packages/prisma/migrations/20220409195425_index_event_types_team_id_slug/migration.sql

/*
  Warnings:

  - A unique constraint covering the columns `[teamId,slug]` on the table `EventType` will be added. If there are existing duplicate values, this will fail.

*/
-- CreateIndex
CREATE UNIQUE INDEX "EventType_teamId_slug_key" ON "EventType"("teamId", "slug");

-- RenameIndex
ALTER INDEX "VerificationRequest.identifier_token_unique" RENAME TO "VerificationRequest_identifier_token_key";

-- RenameIndex
ALTER INDEX "VerificationRequest.token_unique" RENAME TO "VerificationRequest_token_key";
