-- Vaccination outreach, second part (issue 16): the dropout count of an area reads the partial
-- courses under a path range (not every status row of the area).
CREATE INDEX vax_status_partial ON vax_status (status, path, dropout_on);
