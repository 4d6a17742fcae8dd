<?xml version="1.0" encoding="UTF-8"?>
<!-- incident.xsl: one incident or maintenance page: facts, AWS items behind it, timeline of updates. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:template match="/status">
    <xsl:variable name="i" select="incidents/incident[1]"/>
    <html lang="en">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="concat($i/name, ' | ', $product, ' status')"/>
      </xsl:call-template>
      <body>
        <xsl:call-template name="header"/>
        <main id="main">
          <xsl:apply-templates select="$i"/>
        </main>
        <xsl:call-template name="footer"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="incident">
    <article class="incident-page impact-{@impact}">
      <h1><xsl:value-of select="name"/></h1>
      <p class="meta">
        <span class="pill is-{@status}"><xsl:value-of select="@status-label"/></span>
        <xsl:text> </xsl:text>
        <xsl:if test="@priority"><span class="prio">Priority <xsl:value-of select="@priority"/></span><xsl:text> </xsl:text></xsl:if>
        <span><xsl:call-template name="impact-words"><xsl:with-param name="i" select="@impact"/></xsl:call-template></span>
      </p>
      <dl class="facts">
        <xsl:choose>
          <xsl:when test="@maintenance = 'yes'">
            <dt>Scheduled</dt>
            <dd><xsl:call-template name="time"><xsl:with-param name="t" select="@scheduled-for"/><xsl:with-param name="h" select="@scheduled-for-h"/></xsl:call-template>
              <xsl:text> to </xsl:text>
              <xsl:call-template name="time"><xsl:with-param name="t" select="@scheduled-until"/><xsl:with-param name="h" select="@scheduled-until-h"/></xsl:call-template></dd>
          </xsl:when>
          <xsl:otherwise>
            <dt>Started</dt>
            <dd><xsl:call-template name="time"><xsl:with-param name="t" select="(@started-at | @created-at)[1]"/><xsl:with-param name="h" select="(@started-at-h | @created-at-h)[1]"/></xsl:call-template></dd>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:if test="@resolved-at">
          <dt>Resolved</dt>
          <dd><xsl:call-template name="time"><xsl:with-param name="t" select="@resolved-at"/><xsl:with-param name="h" select="@resolved-at-h"/></xsl:call-template></dd>
        </xsl:if>
        <xsl:if test="@next-update-by">
          <dt>Next update by</dt>
          <dd><xsl:call-template name="time"><xsl:with-param name="t" select="@next-update-by"/><xsl:with-param name="h" select="@next-update-by-h"/></xsl:call-template></dd>
        </xsl:if>
        <dt>Affected components</dt>
        <dd>
          <xsl:for-each select="component"><xsl:value-of select="."/><xsl:if test="position() != last()">, </xsl:if></xsl:for-each>
          <xsl:if test="not(component)">None</xsl:if>
        </dd>
        <xsl:if test="@rca">
          <dt>Root-cause analysis</dt>
          <dd><xsl:call-template name="rca-words"/>
            <xsl:if test="@rca-url"><xsl:text> </xsl:text><a href="{@rca-url}" rel="nofollow">Read it</a></xsl:if>
            <xsl:if test="rca-document"><xsl:text> </xsl:text><a href="#rca">Read it below</a></xsl:if>
          </dd>
        </xsl:if>
      </dl>
      <xsl:if test="cause">
        <section aria-labelledby="aws-h">
          <h2 id="aws-h">AWS items behind this incident</h2>
          <ul class="causes"><xsl:apply-templates select="cause"/></ul>
        </section>
      </xsl:if>
      <xsl:if test="rca-document">
        <section id="rca" aria-labelledby="rca-h">
          <h2 id="rca-h">Root-cause analysis<xsl:if test="rca-document/@final = 'no'"> (draft)</xsl:if></h2>
          <div class="body"><xsl:value-of select="rca-document"/></div>
        </section>
      </xsl:if>
      <section aria-labelledby="upd-h">
        <h2 id="upd-h">Updates</h2>
        <ol class="timeline">
          <xsl:for-each select="update">
            <li id="update-{@id}" class="is-{@status}">
              <h3><xsl:value-of select="@status-label"/></h3>
              <p class="when"><xsl:call-template name="time"><xsl:with-param name="t" select="@created-at"/><xsl:with-param name="h" select="@created-at-h"/></xsl:call-template></p>
              <p class="body"><xsl:value-of select="body"/></p>
              <xsl:if test="affected">
                <p class="affected">Affected:
                  <xsl:for-each select="affected"><xsl:value-of select="."/> (<xsl:value-of select="@new-label"/>)<xsl:if test="position() != last()">, </xsl:if></xsl:for-each>
                </p>
              </xsl:if>
            </li>
          </xsl:for-each>
        </ol>
      </section>
      <p><a href="../history.html">All incidents</a></p>
    </article>
  </xsl:template>

</xsl:stylesheet>
